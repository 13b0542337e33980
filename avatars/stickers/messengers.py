"""What each messenger takes in a sticker pack, as data, and where we read it (README, "Sticker
packs"). The pack is made to these rules and checked against them before it is offered
(:func:`avatars.stickers.files.sticker_pack_check`).

- WhatsApp: WhatsApp's own sticker-app guide and its validator (github.com/WhatsApp/stickers,
  ``Android/README.md`` and ``StickerPackValidator.java``): static stickers are WebP, exactly
  512 × 512, at most 100 KB (the validator counts 1024 bytes a KB); 3–30 per pack; a tray
  icon of 96 × 96 (the validator takes 24–512) PNG of at most 50 KB; each sticker 1–3 emoji;
  "we recommend you add a 8px #FFFFFF stroke".
- Telegram: core.telegram.org/stickers (static stickers: PNG or WEBP, one side exactly 512
  px, the other 512 or less; "a transparent background, white stroke and black shadow effect
  will make your sticker stand out") and the Bot API (a PNG sticker "must be up to 512
  kilobytes"; static sets hold up to 120 stickers).
- Signal: Signal Desktop's sticker creator (github.com/signalapp/Signal-Desktop,
  ``sticker-creator/src/constants.ts``: 512 px, 1–200 stickers, at most 300 × 1024 bytes;
  ``useStickerDropzone.ts``: PNG, WebP or APNG).
"""

from __future__ import annotations

from dataclasses import dataclass

KB = 1024


@dataclass(frozen=True)
class TrayIcon:
    side: int
    fmt: str
    max_bytes: int


@dataclass(frozen=True)
class Messenger:
    slug: str
    name: str
    square: bool  # exactly side × side; else the long side is exactly ``side``
    side: int
    formats: tuple[str, ...]  # the formats it takes, in the order we try them
    max_bytes: int  # per sticker
    min_count: int
    max_count: int
    outline: int  # the white stroke, px at ``side``
    shadow: bool
    margin: int  # transparent px between the outline and the canvas's edge
    tray: TrayIcon | None = None
    how_to: str = ""


MESSENGERS: dict[str, Messenger] = {
    "whatsapp": Messenger(
        slug="whatsapp",
        name="WhatsApp",
        square=True,
        side=512,
        formats=("webp",),
        max_bytes=100 * KB,
        min_count=3,
        max_count=30,
        outline=8,
        shadow=False,
        margin=16,
        tray=TrayIcon(side=96, fmt="png", max_bytes=50 * KB),
        how_to=(
            "WhatsApp takes sticker packs from sticker apps. This zip holds a pack the way "
            "WhatsApp's sample sticker app lays one out (contents.json, tray.png and the "
            "stickers, 512 x 512 WebP under 100 KB each), and title.txt and author.txt for "
            "the sticker-maker apps that import .wastickers files: open it with one of them, "
            "or drop the folder into the sample app's assets."
        ),
    ),
    "telegram": Messenger(
        slug="telegram",
        name="Telegram",
        square=False,
        side=512,
        formats=("png", "webp"),
        max_bytes=512 * KB,
        min_count=1,
        max_count=120,
        outline=8,
        shadow=True,
        margin=0,
        how_to=(
            "In Telegram, open a chat with @Stickers, send /newpack, name the pack, then send "
            "each PNG here as a file (not as a photo), each followed by an emoji; finish with "
            "/publish."
        ),
    ),
    "signal": Messenger(
        slug="signal",
        name="Signal",
        square=True,
        side=512,
        formats=("webp", "png"),
        max_bytes=300 * KB,
        min_count=1,
        max_count=200,
        outline=8,
        shadow=False,
        margin=16,
        how_to=(
            "In Signal Desktop, choose File > Create/upload sticker pack, add these images "
            "(512 x 512, under 300 KB each), give each an emoji, and upload."
        ),
    ),
}

# One pack is one job: past this many stickers it would keep a runner busy for long (12 take
# about 2 s, bench/cutouts.py), so no messenger's pack is bigger, whatever it allows.
SITE_MAX_COUNT = 30


def messenger_get(slug: str) -> Messenger | None:
    return MESSENGERS.get(slug)


def count_range(messenger: Messenger) -> tuple[int, int]:
    """How many stickers a pack for ``messenger`` may hold here."""
    return messenger.min_count, min(messenger.max_count, SITE_MAX_COUNT)
