"""The live preview of "More me ↔ More style": the studio at low resolution and its likeness,
before anything is spent (issue #27)."""
