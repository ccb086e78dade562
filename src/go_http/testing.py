"""Testing helpers for users of go-http (the sandbox fixture lands here)."""
