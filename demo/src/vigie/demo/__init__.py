"""The Vigie demo: a day of bilingual mentions through the whole pipeline on the embedded broker."""
