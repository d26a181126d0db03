"""The FEEL grammar (DMN 1.5 chapter 10) for lark's LALR parser, fed by civicflow.feel.lexer.

Precedence, lowest first: textual expressions (for/if/some/every/function), ``or``, ``and``,
comparison (``= != < <= > >=``, ``between``, ``in``, ``instance of``), ``+ -``, ``* /``, ``**``
(left-associative), unary ``-``, postfix (filter ``[]``, path ``.``, invocation ``()``).
"""

GRAMMAR = r"""
%declare NAME NUMBER STRING AT_STRING
%declare PLUS MINUS STAR SLASH POW EQ NE LT LE GT GE DOTDOT DOT COMMA COLON ARROW
%declare LPAR RPAR LSQB RSQB LBRACE RBRACE RANGE_OPEN RANGE_CLOSE
%declare AND OR IF THEN ELSE FOR IN RETURN SOME EVERY SATISFIES BETWEEN FUNCTION
%declare TRUE FALSE NULL EXTERNAL INSTANCE_OF

start: expression
tests: put (COMMA put)*

?expression: for_expr | if_expr | quantified | function_def | disjunction

for_expr: FOR iteration (COMMA iteration)* RETURN expression
iteration: NAME IN expression                       -> iteration_in
         | NAME IN additive DOTDOT additive          -> iteration_range
if_expr: IF expression THEN expression ELSE expression
quantified: (SOME | EVERY) quant_in (COMMA quant_in)* SATISFIES expression
quant_in: NAME IN expression
function_def: FUNCTION LPAR [param (COMMA param)*] RPAR [EXTERNAL] expression
param: NAME [COLON type]

?disjunction: conjunction
            | disjunction OR conjunction            -> or_
?conjunction: comparison
            | conjunction AND comparison            -> and_
?comparison: additive
           | additive EQ additive                   -> eq
           | additive NE additive                   -> ne
           | additive LT additive                   -> lt
           | additive LE additive                   -> le
           | additive GT additive                   -> gt
           | additive GE additive                   -> ge
           | additive BETWEEN additive AND additive -> between
           | additive IN in_rhs                     -> in_
           | additive INSTANCE_OF type              -> instance_of
in_rhs: additive                                    -> put_expr
      | simple_put
      | LPAR put COMMA put (COMMA put)* RPAR        -> put_list
      | LPAR simple_put RPAR

put: expression                                     -> put_expr
   | simple_put
?simple_put: LT additive                            -> put_lt
           | LE additive                            -> put_le
           | GT additive                            -> put_gt
           | GE additive                            -> put_ge
           | EQ additive                            -> put_eq
           | NE additive                            -> put_ne

?additive: multiplicative
         | additive PLUS multiplicative             -> add
         | additive MINUS multiplicative            -> sub
?multiplicative: power
               | multiplicative STAR power          -> mul
               | multiplicative SLASH power         -> div
?power: unary
      | power POW unary                             -> pow
?unary: postfix
      | MINUS unary                                 -> neg
?postfix: primary
        | postfix LSQB expression RSQB              -> filter
        | postfix DOT NAME                          -> path
        | postfix LPAR RPAR                         -> call_none
        | postfix LPAR expression (COMMA expression)* RPAR -> call_positional
        | postfix LPAR named_arg (COMMA named_arg)* RPAR   -> call_named
named_arg: NAME COLON expression

?primary: NUMBER                                    -> number
        | STRING                                    -> string
        | AT_STRING                                 -> at_literal
        | TRUE                                      -> true
        | FALSE                                     -> false
        | NULL                                      -> null
        | NAME                                      -> name
        | LPAR expression RPAR
        | LSQB [expression (COMMA expression)*] RSQB -> list_
        | LBRACE [entry (COMMA entry)*] RBRACE      -> context
        | LSQB additive DOTDOT additive range_end     -> range_
        | LPAR additive DOTDOT additive range_end     -> range_
        | RANGE_OPEN additive DOTDOT additive range_end -> range_
entry: (NAME | STRING) COLON expression
range_end: RSQB | RPAR | RANGE_CLOSE

type: NAME                                          -> type_name
    | NULL                                          -> type_null
    | NAME LT type GT                               -> type_of
    | NAME LT type_field (COMMA type_field)* GT     -> type_context
    | FUNCTION LT [type (COMMA type)*] GT ARROW type -> type_function
    | FUNCTION                                      -> type_function
type_field: NAME COLON type
"""
