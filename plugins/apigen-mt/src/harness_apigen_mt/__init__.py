"""APIGen-MT plugin."""
