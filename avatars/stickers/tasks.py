"""The sticker pack's job entry point: thin, it calls the service."""

from django_tasks import task

from avatars.stickers.services import sticker_pack_run


@task()
def make_sticker_pack(pack_id: int) -> None:
    sticker_pack_run(pack_id=pack_id)
