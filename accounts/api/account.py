"""The API's account endpoints: take everything with you, or delete the account."""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.leaving import account_delete, account_export
from pixme.api.schema import AUTHENTICATED_ERRORS, RETRY_AFTER, error_responses
from pixme.api.throttles import ExportRateThrottle
from pixme.http import NO_STORE, stored_file_response


class AccountExportApi(APIView):
    allowed_while_suspended = True  # a suspended person may still take their data and leave
    # Building the zip reads every file: PIXME_EXPORT_RATE, shared with the profile page's.
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, ExportRateThrottle]

    @extend_schema(
        summary="Everything you have here, as one zip (open while suspended)",
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="Your photos, versions and data."
            ),
            **error_responses(*AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
    )
    def get(self, request):
        export = account_export(user=request.user)
        return stored_file_response(
            export.file,
            content_type="application/zip",
            cache_control=NO_STORE,
            filename=export.filename,
        )


class AccountDeleteApi(APIView):
    allowed_while_suspended = True

    class InputSerializer(serializers.Serializer):
        # Missing is refused by the service, in the API's one error shape like a wrong one.
        password = serializers.CharField(
            default="", allow_blank=True, max_length=4096, trim_whitespace=False
        )

        class Meta:
            ref_name = "AccountDelete"

    class OutputSerializer(serializers.Serializer):
        receipt = serializers.DictField(
            help_text="The account's signed deletion receipt — every file deleted, with its "
            "SHA-256 — handed over this once and kept nowhere: save it (as JSON, exactly as "
            "`receipt_text` below) to check it later with `manage.py pixme_verify`."
        )
        receipt_text = serializers.CharField(
            help_text="The same receipt as the file to save, byte for byte."
        )

        class Meta:
            ref_name = "AccountDeleted"

    @extend_schema(
        summary="Close the account and delete everything (your password to confirm)",
        description="Answers the account's deletion receipt, once: nothing of the account is "
        "kept to show it again.",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 413, *AUTHENTICATED_ERRORS)},
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        receipt = account_delete(
            request=request._request,
            user=request.user,
            password=serializer.validated_data["password"],
        )
        return Response(
            {"receipt": json.loads(receipt), "receipt_text": receipt}, status=status.HTTP_200_OK
        )
