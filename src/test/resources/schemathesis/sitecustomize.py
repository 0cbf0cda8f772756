"""Loaded by Python at start-up in the schemathesis virtualenv (SchemathesisTest copies it there).

Works around a crash of the tool, not of the service under test: hypothesis, to describe a filtered
strategy in a repr, parses Python source with ast.parse while it has raised the recursion limit,
and CPython (seen with 3.11.7, 3.12.1 and 3.13.0) can then fail with
"SystemError: AST constructor recursion depth mismatch". hypothesis already falls back to
"<unknown>" when the source does not parse (SyntaxError), so that is what this turns the error into.
Nothing else changes: no request, check or finding depends on a strategy's description.
"""
import ast

_parse = ast.parse


def _parse_or_give_up(*args, **kwargs):
    try:
        return _parse(*args, **kwargs)
    except SystemError as e:
        raise SyntaxError(f"not parsed: {e}") from e


ast.parse = _parse_or_give_up
