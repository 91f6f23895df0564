"""The core: what `/nebula` does, knowing nothing of Bolt (requests, decisions, changes, undo, sweeper,
reads, rails, and the watcher with reminders and leases). `assembly.build_core` wires it."""
