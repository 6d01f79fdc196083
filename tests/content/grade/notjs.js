{ "format": "capplay-session", "note": "a session file saved as .js" }
