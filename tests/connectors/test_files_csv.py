"""FilesSource reading CSV: spreadsheet exports with a column mapping, odd rows, encodings."""

from __future__ import annotations

from pathlib import Path

from connectors.feeds.files import FilesSource
from tests.factories import fetch_context

_EXPORT = """\
"Job Title","Hourly/Fixed","Budget","Level","Skills","Link","Description"
"Shopify store build","Fixed","$1,500","Intermediate","Shopify, Liquid","https://x.example/1","1"
"Django API","Hourly","$25.00-$35.00","Expert","Python, Django","https://x.example/2","Needs:
- auth
- billing"
"","Fixed","$300","Entry level","","https://x.example/3","no title"
"Logo design","Fixed price","Less than $500","","Logo Design","https://x.example/4",""
"""
_EXPORT_MAPPING = {
    "title": "Job Title",
    "job_type": "Hourly/Fixed",
    "budget": "Budget",
    "hourly_rate": "Budget",
    "experience_level": "Level",
    "skills": "Skills",
    "url": "Link",
    "description": "Description",
}


def test_csv_export_with_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(_EXPORT, encoding="utf-8")

    batch = FilesSource(name="files", path=path, mapping=_EXPORT_MAPPING).fetch(fetch_context())

    shopify, django, logo = batch.jobs
    assert (shopify.title, shopify.job_type, shopify.budget) == (
        "Shopify store build",
        "fixed",
        1500,
    )
    assert (shopify.hourly_min, shopify.hourly_max) == (None, None)
    assert (shopify.skills, shopify.experience_level) == (["Shopify", "Liquid"], "Intermediate")
    assert (shopify.external_id, shopify.url) == ("https://x.example/1", "https://x.example/1")
    assert (django.job_type, django.budget, django.hourly_min, django.hourly_max) == (
        "hourly",
        None,
        25,
        35,
    )
    assert django.description == "Needs:\n- auth\n- billing"
    assert (logo.job_type, logo.budget, logo.experience_level) == ("fixed", 500, None)
    # The row without a title starts on line 6 (the Django row spans lines 3-5).
    assert batch.problems == [f"{path}: line 6: missing 'Job Title'; skipped"]


def test_csv_row_with_more_values_than_columns_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text(
        "id,title,budget\n\na1,Fix my site,$200\na2,Logo, fast,$300\n\na3,Short row\n",
        encoding="utf-8",
    )

    batch = FilesSource(name="files", path=path).fetch(fetch_context())

    assert [(job.external_id, job.budget) for job in batch.jobs] == [("a1", 200), ("a3", None)]
    assert batch.problems == [
        f"{path}: line 4: 4 values for 3 columns (a comma outside quotes?); skipped"
    ]


def test_csv_nested_client_fields_as_flat_columns(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text(
        "id,title,budget,client_payment_verified,client_total_spent,client_hires\n"
        'a1,Fix my site,$200,no,"$1,234",3\n',
        encoding="utf-8",
    )
    (job,) = FilesSource(name="files", path=path).fetch(fetch_context()).jobs
    assert (job.client_payment_verified, job.client_total_spent, job.client_hires) == (
        False,
        1234,
        3,
    )


def test_non_utf8_csv_is_read_as_windows_1252_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("id,title,description\nx1,Café menu – print,Résumé\n".encode("cp1252"))

    batch = FilesSource(name="files", path=path).fetch(fetch_context())

    assert [(job.title, job.description) for job in batch.jobs] == [("Café menu – print", "Résumé")]
    assert batch.problems == [f"{path}: not UTF-8; read it as Windows-1252"]
