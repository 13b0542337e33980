"""Live progress: typed events (events) and the state a late joiner gets first (snapshot),
the avatar's websocket (consumer, routing) and the tickets programs open it with (tickets, api)."""
