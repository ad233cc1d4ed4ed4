import gc
import sys

from .cli import main

code = main()
# The process ends here: freezing what is alive spares the interpreter's final garbage collections a
# traversal of every long-lived object (question banks, caches, the pint registry), ~0.5 s after a
# class-sized batch. Objects in reference cycles are then not collected: the memory goes back to the
# system with the process.
gc.freeze()
sys.exit(code)
