"""Fault injection: a misbehaving HTTP server, and what the transport, reports, corpus and CLI make of it."""
