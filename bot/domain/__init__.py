"""The domain: pure types and rules (ids, verbs, durations, costs, policy, commands, records). No I/O."""
