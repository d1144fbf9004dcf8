"""Patient pages of the follow-up link: questionnaires on a phone, then the own trajectory."""
