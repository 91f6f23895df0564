"""The running bot: wiring, the HTTP server (/slack/events, /healthz, /metrics), Socket Mode, health
probes, start-up and shutdown."""
