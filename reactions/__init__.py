"""Emoji reactions on messages: each person adds or removes theirs, live on every open page."""
