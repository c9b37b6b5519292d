"""LM clients: the litellm and direct OpenAI-compatible transports, the answer cache, rollouts, and the embedded local model."""
