from django.db import migrations

STYLES = [
    ("comics", "Comics", "Bold ink outlines, flat colours and halftone dots, straight off the "
     "newsstand.", "A classic American comic-book panel: bold black ink outlines, flat "
     "saturated colours, Ben-Day halftone dots in the shadows."),
    ("manga", "Manga", "Black-and-white ink with screentone shading, like a page of a weekly "
     "manga.", "A black-and-white manga illustration: crisp ink lines, screentone dot "
     "shading, white highlights, expressive eyes."),
    ("zombie", "Zombie", "Sickly green-grey skin, sunken eyes and a gritty horror-poster "
     "finish.", "A zombie-horror portrait: sickly green-grey skin, dark sunken eyes, "
     "gritty texture, cinematic horror-poster lighting."),
    ("pop-art", "Pop Art", "A 2×2 Warhol grid of posterised, high-contrast panels in four "
     "palettes.", "A Warhol-style pop-art print: four posterised high-contrast panels in a "
     "2×2 grid, each in a different loud palette."),
    ("pixel-art", "Pixel Art", "A chunky retro-game sprite with a limited palette.",
     "A retro video-game pixel-art portrait: a coarse, visible pixel grid and a limited "
     "16-colour palette."),
    ("pencil-sketch", "Pencil Sketch", "Graphite strokes on textured paper.",
     "A hand-drawn graphite pencil sketch on textured paper: confident strokes, "
     "cross-hatched shading."),
    ("anime", "Anime", "Cel shading, clean lines and vivid colour.",
     "A modern anime key-visual portrait: cel shading with flat two-tone shadows, clean "
     "thin lines, vivid saturated colours, glossy eyes."),
    ("vintage", "Vintage", "A faded sepia print with grain and a vignette.",
     "A vintage photograph: sepia tones, film grain, a soft vignette and a faded, "
     "slightly worn print."),
    ("neon", "Neon", "Glowing neon edges on a dark background.",
     "A neon-sign portrait: the person's outlines drawn as glowing neon tubes on a dark "
     "night background."),
]


def seed(apps, schema_editor):
    Style = apps.get_model("avatars", "Style")
    for order, (slug, name, description, prompt) in enumerate(STYLES):
        Style.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "prompt_template": prompt
                + " Keep the person's face, identity and expression recognisable.",
                "order": order,
                "enabled": True,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("avatars", "Style").objects.filter(slug__in=[s[0] for s in STYLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("avatars", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
