"""Small, valid demo documents (PDF, Word, Excel) for the demo seeders and the benchmark."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from openpyxl import Workbook


def demo_pdf(title):
    """A small, valid one-page PDF (the demo's scanned documents)."""
    text = title.encode("unicode_escape").decode("ascii")
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def demo_docx(title):
    document = Document()
    document.add_heading(title, level=1)
    document.add_paragraph("（演示文档）")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def demo_xlsx(title):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["序号", "事项", "完成情况"])
    sheet.append([1, title, "已完成"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def demo_file(title, n):
    maker, ext = [(demo_pdf, "pdf"), (demo_docx, "docx"), (demo_xlsx, "xlsx")][n % 3]
    return SimpleUploadedFile(f"{title}.{ext}", maker(title))
