"""What accounts tells the apps built on it. They import accounts; accounts never imports them,
so whatever of theirs an account involves reaches accounts through these.

- ``profile_checking(sender=Profile, profile, data)``: before a change of the profile is
  saved. A receiver refuses it with an ``ApplicationError``, or rewrites ``data`` in place
  (a model's old name read as its new one).
- ``profile_changed(sender=Profile, profile, fields)``: once it is saved.
- ``profile_choices(sender=Profile)``: what a profile may choose that another app offers; each
  receiver answers ``{"engines": [(slug, label), …]}``.
- ``profile_page(sender=User, request)``: each receiver answers the context of its own section
  of the profile page.
- ``account_exporting(sender=User, user, writer)``: each receiver answers entries of the
  export's ``pixme.json``, having copied its files into the zip through ``writer.copy``.
- ``email_changed(sender=User, user)``: the account's address or its confirmation changed (a
  new address, one confirmed, one confirmed by another account): whatever was served for the
  old confirmed address must stop, and the new one may be used once confirmed.
- ``account_deleting(sender=User, user, deletion)``: in the deletion's transaction, before the
  user goes: each receiver deletes what is its own (under its own locks), adding each stored
  file that goes with it to ``deletion`` (an ``accounts.receipts.Deletion``: ``deletion.add``
  reads it for the receipt first) and, in words, what else went.
- ``receipt_signing(sender=DeletionReceipt, payload)``: sign a deletion receipt's bytes as the
  site; the first receiver answers the signature (``{"algorithm", "value", "certificates"}``).
"""

from django.dispatch import Signal

profile_checking = Signal()
profile_changed = Signal()
profile_choices = Signal()
profile_page = Signal()
account_exporting = Signal()
account_deleting = Signal()
email_changed = Signal()
receipt_signing = Signal()


def answers(signal: Signal, **kwargs) -> list:
    """Every receiver's answer (an exception in one is raised: a refusal, or a bug)."""
    return [answer for _receiver, answer in signal.send(**kwargs)]
