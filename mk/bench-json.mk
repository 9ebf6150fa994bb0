# TinyJSON's readers on their own. Included by the main Makefile (`-include mk/*.mk`).
#
#   make bench-json   instructions per event (callgrind) for the parser and the scanner over a corpus shaped like
#                     agent output, and heap allocations per event; fails if the scanner allocates at all.
#                     Needs no package resolution: TinyJSON is compiled on its own with SwiftPM's release flags.
.PHONY: bench-json

bench-json: bench-deps
	bench/tinyjson/run.sh
