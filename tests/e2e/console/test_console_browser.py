"""The web console in a real browser (Debian's headless Chromium, driven by Playwright) on the local
stack: its pages served by the local CloudFront edge from the console's bucket under the stack's
security headers, a sign-in through the user pool and the identity pool, and every call signed with
the role's credentials. A FullAccess user creates an application, imports a file, finds an endpoint,
builds a segment and creates a template, each seen through the API as the page showed it; a
MaskedAccess user finds the same endpoint with its address masked. axe-core finds no violation on any
page; a screenshot of each page is written to build/console-screenshots/."""

from __future__ import annotations

import re
import uuid

import pytest

from engage_local.api import wait_until
from tests.support.apps import local_pinpoint
from tests.support.console import admin_get
from tests.support.console_pages import go, looked_at, sign_in

pytestmark = pytest.mark.e2e


def test_a_full_access_user_works_through_the_pages_and_sees_what_the_api_sees(local_stack, page):
    admin = local_pinpoint(local_stack)
    sign_in(page, local_stack, "FullAccess")
    looked_at(page, "applications")

    name = f"Console tour {uuid.uuid4().hex[:6]}"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Create application").click()
    page.get_by_role("rowheader", name=name).wait_for()
    (app,) = [a for a in admin.get_apps()["ApplicationsResponse"]["Item"] if a["Name"] == name]
    app_id = app["Id"]
    try:
        go(page, local_stack, f"apps/{app_id}", name)
        looked_at(page, "application-settings")

        # Import a file from the stack's bucket, and watch it finish.
        tag = uuid.uuid4().hex[:8]
        bucket = local_stack.stacks["engage"].outputs["ImportBucketName"]
        rows = [f"tour-{n},EMAIL,tour{n}.{tag}@example.com,gold" for n in range(3)]
        local_stack.client("s3").put_object(
            Bucket=bucket,
            Key=f"console/{tag}.csv",
            Body=("Id,ChannelType,Address,Attributes.Plan\n" + "\n".join(rows) + "\n").encode(),
        )
        go(page, local_stack, f"imports/{app_id}", "Imports")
        page.get_by_label("S3Url").fill(f"s3://{bucket}/console/{tag}.csv")
        page.get_by_label("RoleArn").fill("arn:aws:iam::123456789012:role/console-import")
        page.get_by_role("button", name="Start import").click()
        (job,) = _eventually(
            lambda: admin.get_import_jobs(ApplicationId=app_id)["ImportJobsResponse"]["Item"]
        )
        assert wait_until(
            lambda: (
                admin.get_import_job(ApplicationId=app_id, JobId=job["Id"])["ImportJobResponse"]["JobStatus"]
                == "COMPLETED"
            ),
            90,
            0.5,
        )
        done = admin.get_import_job(ApplicationId=app_id, JobId=job["Id"])["ImportJobResponse"]
        page.get_by_role("button", name="Refresh import jobs").click()
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=job["Id"]))
        row.get_by_text("COMPLETED").wait_for()
        assert re.search(rf"\b{done['TotalProcessed']}\b", row.inner_text()) and done["TotalProcessed"] == 3
        looked_at(page, "imports")

        # Find one of the imported endpoints, address in clear.
        go(page, local_stack, f"endpoints/{app_id}", "Endpoints")
        page.get_by_test_id("endpoint-search-value").locator("input").fill("tour-1")
        page.get_by_role("button", name="Find", exact=True).click()
        page.get_by_text(f"tour1.{tag}@example.com").first.wait_for()
        page.get_by_test_id("endpoint-sendable").get_by_text("Yes", exact=True).wait_for()
        assert page.get_by_test_id("endpoint-suppressions").inner_text().strip() == "None"
        looked_at(page, "endpoints")

        # A segment of the imported plan, as the API then holds it.
        go(page, local_stack, f"segments/{app_id}", "Segments")
        page.get_by_label("Segment name").fill("Gold plan")
        page.get_by_label("Attribute name").fill("Plan")
        page.get_by_label("Values").fill("gold")
        page.get_by_role("button", name="Create segment").click()
        page.get_by_role("rowheader", name="Gold plan").wait_for()
        segments = admin.get_segments(ApplicationId=app_id)["SegmentsResponse"]["Item"]
        gold = next(s for s in segments if s["Name"] == "Gold plan")
        assert gold["Dimensions"]["Attributes"]["Plan"] == {"AttributeType": "INCLUSIVE", "Values": ["gold"]}
        page.get_by_role("button", name="Size of Gold plan").click()
        page.get_by_test_id("segment-size").wait_for()
        api_size = admin_get(local_stack, f"/v1/apps/{app_id}/segment-sizes/{gold['Id']}")
        assert page.get_by_test_id("segment-size").inner_text().strip() == str(api_size["Size"]) == "3"
        assert page.get_by_test_id("segment-size-channel-EMAIL").inner_text().strip() == "3"
        looked_at(page, "segments")

        # An email template, as the API then holds it, previewed for an imported endpoint.
        template = f"console-welcome-{tag}"
        go(page, local_stack, "templates", "Templates")
        # An SMS body rendered for an imported endpoint as it is written (not created).
        page.get_by_role("radio", name="SMS", exact=True).check()
        live = page.get_by_test_id("live-preview")
        live.get_by_label("Preview application", exact=True).click()
        page.get_by_role("option", name=re.compile(name)).click()
        live.get_by_label("Preview endpoint ID", exact=True).fill("tour-1")
        page.get_by_label("Body", exact=True).fill("Hi {{Attributes.Plan}}")
        page.get_by_test_id("live-preview-Body").get_by_text("Hi gold", exact=True).wait_for()
        page.get_by_role("radio", name="Email", exact=True).check()
        page.get_by_label("Template name").fill(template)
        page.get_by_label("Subject").fill("Welcome, {{Attributes.Plan}} member")
        page.get_by_label("HTML part").fill("<p>Written to {{Address}}</p>")
        page.get_by_role("button", name="Create email template").click()
        page.get_by_role("rowheader", name=template).wait_for()
        stored = admin.get_email_template(TemplateName=template)["EmailTemplateResponse"]
        assert stored["Subject"] == "Welcome, {{Attributes.Plan}} member"
        try:
            preview = page.get_by_test_id("template-preview")
            preview.get_by_label("Template", exact=True).click()
            page.get_by_role("option", name=re.compile(template)).click()
            preview.get_by_label("Application", exact=True).click()
            page.get_by_role("option", name=re.compile(name)).click()
            page.get_by_test_id("template-preview-endpoint").locator("input").fill("tour-1")
            preview.get_by_role("button", name="Preview", exact=True).click()
            page.get_by_test_id("template-preview-Subject").get_by_text("Welcome, gold member").wait_for()
            html = page.frame_locator('iframe[title="HTML preview"]').locator("p")
            assert html.inner_text() == "Written to t***@***.com", "a preview shows no address"
            page.get_by_role("button", name="Refresh templates").click()  # see looked_at: networkidle
            looked_at(page, "templates")
        finally:
            admin.delete_email_template(TemplateName=template)

        go(page, local_stack, f"exports/{app_id}", "Exports")
        looked_at(page, "exports")
        go(page, local_stack, "no-such-page", "Page not found")
        looked_at(page, "not-found")
    finally:
        admin.delete_app(ApplicationId=app_id)


def test_a_masked_access_user_finds_an_endpoint_with_its_address_masked(local_stack, page):
    admin = local_pinpoint(local_stack)
    app_id = admin.create_app(CreateApplicationRequest={"Name": "Masked view"})["ApplicationResponse"]["Id"]
    address = f"masked.{uuid.uuid4().hex[:8]}@example.com"
    admin.update_endpoint(
        ApplicationId=app_id,
        EndpointId="seen-masked",
        EndpointRequest={"ChannelType": "EMAIL", "Address": address},
    )
    try:
        sign_in(page, local_stack, "MaskedAccess")
        go(page, local_stack, f"endpoints/{app_id}", "Endpoints")
        page.get_by_test_id("endpoint-search-value").locator("input").fill("seen-masked")
        page.get_by_role("button", name="Find", exact=True).click()
        page.get_by_text("Addresses are masked for your role").wait_for()
        page.get_by_text("m***@***.com").first.wait_for()
        assert address not in page.content()
        assert page.get_by_test_id("erase-person").is_disabled()
        looked_at(page, "endpoints-masked")
        # An export's files hold addresses: IAM refuses the masked role, and the page says so.
        go(page, local_stack, f"exports/{app_id}", "Exports")
        page.get_by_label("S3UrlPrefix").fill("s3://exports-bucket/masked/")
        page.get_by_label("RoleArn").fill("arn:aws:iam::123456789012:role/console-export")
        page.get_by_role("button", name="Start export").click()
        page.get_by_text(re.compile("not authorized to perform: execute-api:Invoke")).wait_for()
        assert admin.get_export_jobs(ApplicationId=app_id)["ExportJobsResponse"]["Item"] == []
    finally:
        admin.delete_app(ApplicationId=app_id)


def test_the_sign_in_page_says_why_a_sign_in_failed(local_stack, page):
    page.goto(local_stack.console.url)
    page.get_by_role("heading", level=1).wait_for()
    looked_at(page, "sign-in")
    page.get_by_label("Email").fill("full@console.local")
    page.get_by_label("Password").fill("not-the-password-1A!")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(re.compile("Incorrect username or password", re.I)).wait_for()


def _eventually(read, timeout: float = 30):
    found: list = []
    assert wait_until(lambda: bool(found.extend(read()) or found), timeout, 0.3)
    return found
