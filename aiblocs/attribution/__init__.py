"""Attribution: which mechanisms drive a regime contrast, and do the levers move as expected."""
