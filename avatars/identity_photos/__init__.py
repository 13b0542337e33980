"""Identity photos: up to five photos of a user (front, turned left and right, smiling, one
of their choice), checked as an identity photo must be, that Gemini receives as character
references and every version's likeness is measured against."""
