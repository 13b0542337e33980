"""The moderators' queue (the Avatar admin): flagged and reported avatars first. Actions and
the change form are thin: they read a decision and its reason, and call
``avatars.moderation.services``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.html import format_html
from django.utils.text import Truncator

from avatars.admin.pictures import PicturesAdminMixin, selfie, turn_thumbnail
from avatars.engines.base import ENGINES
from avatars.models import Avatar, Report, Turn
from avatars.moderation.services import Decision, avatar_decide
from pixme.admin import DeletesOwnedRowsMixin, ReadOnlyAdminMixin
from pixme.errors import ApplicationError


class TurnInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Every version, read-only: what was asked, what the engine said, what it drew."""

    model = Turn
    fk_name = "avatar"
    extra = 0
    max_num = 0
    fields = [
        "preview",
        "number",
        "kind",
        "instruction",
        "model_text",
        "engine",
        "model",
        "status",
        "flagged",
        "likeness",
        "error_message",
    ]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    @admin.display(description="image")
    def preview(self, turn: Turn):
        return turn_thumbnail(turn)


class ReportInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Report
    extra = 0
    max_num = 0
    fields = ["reason", "note", "reporter", "established", "resolved", "created_at"]
    readonly_fields = fields
    can_delete = False


class ReasonActionForm(ActionForm):
    reason = forms.CharField(
        required=False,  # checked by each action: the admin would say "No action selected"
        max_length=500,
        label="Reason (the owner reads it)",
        widget=forms.TextInput(attrs={"size": 40}),
    )


DECISION_CHOICES = [
    ("", "— no decision —"),
    (Decision.APPROVE, "Approve (back to OK, reports resolved)"),
    (Decision.HIDE, "Hide from everyone but the owner"),
    (Decision.REMOVE, "Remove (delete its pictures for good)"),
    (Decision.SUSPEND, "Suspend the owner"),
    (Decision.SUSPEND_LIFT, "Lift the owner's suspension"),
]


class AvatarDecisionForm(forms.ModelForm):
    """The change form edits nothing of the avatar's own: it takes a decision and its reason,
    which go through the same service as the queue's actions (and so leave a record)."""

    decision = forms.ChoiceField(choices=DECISION_CHOICES, required=False)
    reason = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )

    class Meta:
        model = Avatar
        fields = []

    def clean(self):
        data = super().clean()
        if data.get("decision") and not data.get("reason", "").strip():
            self.add_error("reason", "Give a reason: the owner reads it.")
        return data


class EngineFilter(admin.SimpleListFilter):
    title = "engine"
    parameter_name = "engine"

    def lookups(self, request, model_admin):
        return [(slug, label) for slug, (label, _path) in ENGINES.items()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(
            Exists(Turn.objects.filter(avatar=OuterRef("pk"), engine=self.value()))
        )


class ReviewFilter(admin.SimpleListFilter):
    title = "needs review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("yes", "Flagged or reported"), ("reported", "With open reports")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(needs_review=0)
        if self.value() == "reported":
            return queryset.filter(open_reports__gt=0)
        return queryset


def _count_of(queryset) -> Coalesce:
    counted = queryset.order_by().values("avatar").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


@admin.register(Avatar)
class AvatarAdmin(DeletesOwnedRowsMixin, PicturesAdminMixin, admin.ModelAdmin):
    """The queue: flagged and reported avatars first, then the newest."""

    list_display = [
        "result",
        "selfie",
        "title_or_id",
        "owner_name",
        "style",
        "latest_engine",
        "latest_words",
        "moderation",
        "flag_reason",
        "reports",
        "created_at",
    ]
    list_display_links = ["title_or_id"]
    list_filter = [ReviewFilter, "moderation", "style", EngineFilter, "created_at"]
    search_fields = ["owner__username", "title", "turns__instruction"]
    list_per_page = 50
    list_select_related = ["owner", "style", "current_turn"]
    action_form = ReasonActionForm
    actions = ["approve", "hide", "remove", "suspend_owner", "lift_owner_suspension"]
    inlines = [TurnInline, ReportInline]
    form = AvatarDecisionForm
    fieldsets = [
        (None, {"fields": ["pictures", "title", "owner_name", "owner_status", "style"]}),
        (
            "Moderation",
            {
                "fields": [
                    "moderation",
                    "moderation_reason",
                    "flag_reason",
                    "reports",
                    "visibility",
                    "decision",
                    "reason",
                ]
            },
        ),
        (None, {"fields": ["face_note", "created_at", "updated_at"]}),
    ]
    readonly_fields = [
        "pictures",
        "title",
        "owner_name",
        "owner_status",
        "style",
        "moderation",
        "moderation_reason",
        "flag_reason",
        "reports",
        "visibility",
        "face_note",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        latest = Turn.objects.filter(avatar=OuterRef("pk")).order_by("-number")
        open_reports = Report.objects.filter(avatar=OuterRef("pk"), resolved=False)
        # Not super(): its ordering names the annotations below before they exist.
        return (
            Avatar.objects.select_related("owner", "style", "current_turn")
            .annotate(
                open_reports=_count_of(open_reports),
                all_reports=_count_of(Report.objects.filter(avatar=OuterRef("pk"))),
                latest_instruction=Subquery(latest.values("instruction")[:1]),
                latest_model_text=Subquery(latest.values("model_text")[:1]),
                latest_engine_slug=Subquery(latest.values("engine")[:1]),
                needs_review=Case(
                    When(Q(moderation=Avatar.Moderation.FLAGGED) | Exists(open_reports), then=0),
                    default=1,
                ),
            )
            .order_by(*self.get_ordering(request))
        )

    def get_ordering(self, request):
        return ["needs_review", "-open_reports", "-created_at"]

    def has_add_permission(self, request):
        return False

    # --- columns ---------------------------------------------------------------------

    @admin.display(description="result")
    def result(self, avatar: Avatar):
        return turn_thumbnail(avatar.current_turn)

    @admin.display(description="selfie")
    def selfie(self, avatar: Avatar):
        return selfie(avatar)

    @admin.display(description="avatar", ordering="title")
    def title_or_id(self, avatar: Avatar):
        return avatar.title or f"#{avatar.pk}"

    @admin.display(description="owner", ordering="owner__username")
    def owner_name(self, avatar: Avatar):
        name = avatar.owner.get_username()
        return f"{name} (suspended)" if avatar.owner.is_suspended else name

    @admin.display(description="owner's account")
    def owner_status(self, avatar: Avatar):
        owner = avatar.owner
        if not owner.is_suspended:
            return f"Active since {owner.date_joined:%Y-%m-%d}"
        return f"Suspended on {owner.suspended_at:%Y-%m-%d %H:%M}: {owner.suspension_reason}"

    @admin.display(description="engine")
    def latest_engine(self, avatar: Avatar):
        return avatar.latest_engine_slug or "—"

    @admin.display(description="last instruction · the model's words")
    def latest_words(self, avatar: Avatar):
        return format_html(
            "{}<br><small>{}</small>",
            Truncator(avatar.latest_instruction or "—").chars(80),
            Truncator(avatar.latest_model_text or "").chars(120),
        )

    @admin.display(description="open reports / all", ordering="open_reports")
    def reports(self, avatar: Avatar):
        return f"{avatar.open_reports} / {avatar.all_reports}"

    @admin.display(description="selfie · current version")
    def pictures(self, avatar: Avatar):
        return format_html(
            "{} {}", selfie(avatar, width=320), turn_thumbnail(avatar.current_turn, width=320)
        )

    # --- the change form: a decision, never an edit ----------------------------------

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        if not decision:
            return  # nothing here is edited directly
        try:
            avatar_decide(
                avatar=obj,
                moderator=request.user,
                decision=decision,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    # --- the queue's actions ---------------------------------------------------------

    def _decide(self, request, queryset, decision: str, done: str):
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(
                request, "Give a reason (the owner reads it): nothing was changed.", messages.ERROR
            )
            return
        decided, refused = 0, []
        targets = queryset
        if decision in (Decision.SUSPEND, Decision.SUSPEND_LIFT):
            # One decision per owner, however many of their avatars were ticked.
            targets, seen = [], set()
            for avatar in queryset.order_by("pk"):
                if avatar.owner_id not in seen:
                    seen.add(avatar.owner_id)
                    targets.append(avatar)
        for avatar in targets:
            try:
                avatar_decide(
                    avatar=avatar, moderator=request.user, decision=decision, reason=reason
                )
                decided += 1
            except ApplicationError as exc:
                refused.append(exc.message)
        if decided:
            self.message_user(request, f"{done}: {decided}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description="Approve: back to OK, reports resolved", permissions=["change"])
    def approve(self, request, queryset):
        self._decide(request, queryset, Decision.APPROVE, "Approved avatars")

    @admin.action(description="Hide from everyone but the owner", permissions=["change"])
    def hide(self, request, queryset):
        self._decide(request, queryset, Decision.HIDE, "Hidden avatars")

    @admin.action(description="Remove: delete the pictures for good", permissions=["change"])
    def remove(self, request, queryset):
        self._decide(request, queryset, Decision.REMOVE, "Removed avatars")

    @admin.action(description="Suspend the owners", permissions=["change"])
    def suspend_owner(self, request, queryset):
        self._decide(request, queryset, Decision.SUSPEND, "Suspended owners")

    @admin.action(description="Lift the owners' suspension", permissions=["change"])
    def lift_owner_suspension(self, request, queryset):
        self._decide(request, queryset, Decision.SUSPEND_LIFT, "Reinstated owners")
