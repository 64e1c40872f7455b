"""`python -m graph.values`: print the generated tables of docs/graph-conventions.md."""

from graph.values import markdown

print(markdown(), end="")
