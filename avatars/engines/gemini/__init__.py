"""The Gemini engine, Google's image models through ``google-genai``: the engine (engine), what
it sends (conversation), how it fails (errors), the SDK client (client) and the models with
their limits and retired names (model_table)."""
