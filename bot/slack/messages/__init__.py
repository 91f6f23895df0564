"""What the bot says: Block Kit messages and the sentences in them. Pure functions, data in, `Message` out."""
