"""``POST /api/verify/``: check a file's Content Credentials, as ``/verify/`` does. Open to all
(rate-limited by address when anonymous); the file is judged like an upload and not kept.
When every reader is busy: 429 ``busy`` with ``Retry-After``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from avatars.provenance.verify import upload_verify
from pixme.api.schema import error_responses
from pixme.api.throttles import VerifyRateThrottle
from pixme.errors import ApplicationError
from pixme.uploads import oversize_refusal


class LinkSerializer(serializers.Serializer):
    title = serializers.CharField()
    actions = serializers.ListField(
        child=serializers.CharField(), help_text="C2PA actions, e.g. c2pa.created."
    )
    signer = serializers.CharField(help_text="The signing certificate's common name.")
    issuer = serializers.CharField(help_text="Its organisation.")
    generator = serializers.CharField(help_text="The claim generator and its version.")
    render = serializers.DictField(
        child=serializers.CharField(), help_text="Engine, model and style (Pix Me! files)."
    )
    signed_at = serializers.CharField(help_text="Signing time, when the signer gave one.")

    class Meta:
        ref_name = "CredentialLink"


class VerifyApi(APIView):
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, VerifyRateThrottle]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="The image to check (PNG, WebP, JPEG, …).")

        class Meta:
            ref_name = "VerifyInput"

    class OutputSerializer(serializers.Serializer):
        verdict = serializers.ChoiceField(
            choices=["trusted", "untrusted", "altered", "none", "remote", "timeout"],
            help_text=(
                "trusted: signed by this site and unchanged; untrusted: signed by someone we "
                "don't trust; altered: changed after signing; none: no manifest; remote: the "
                "file only names an address where its manifest is kept, which we never fetch; "
                "timeout: the check didn't finish within the site's time bound."
            ),
        )
        valid = serializers.BooleanField(help_text="True only for trusted.")
        words = serializers.CharField(help_text="The verdict in a sentence.")
        signer = serializers.CharField()
        chain = LinkSerializer(many=True, help_text="This file's manifest, then its parents'.")
        problems = serializers.ListField(
            child=serializers.CharField(), help_text="What the check found wrong."
        )

        class Meta:
            ref_name = "Verification"

    @extend_schema(
        operation_id="verify",
        summary="Check a file's Content Credentials (C2PA)",
        request={"multipart/form-data": InputSerializer},
        responses={200: OutputSerializer, **error_responses(400, 401, 413, 429)},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)  # reads the body (and the cap)
        too_large = oversize_refusal(request._request)
        if too_large:
            raise ApplicationError(too_large, code="too_large")
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        result = upload_verify(upload=upload, size=upload.size)
        return Response(self.OutputSerializer(result.to_dict()).data)
