"""Time as people write it: durations (`8h`), and the windows of schedules (`weekdays 08:00-19:00`)."""
