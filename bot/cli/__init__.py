"""The command line: `nebula-bot` (run, check, manifest, audit, shell), each importing only what it needs."""
