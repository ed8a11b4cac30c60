"""mkbooks.py DIR: the workbooks of e2e_excel_import.sh, written by openpyxl
(Debian's python3-openpyxl) as Excel writes them: shared strings, dates as
serial numbers under a date format, ids and GTINs as numbers.
  products.xlsx   sheet "Sản phẩm" (first) the sample products, sheet "Ghi chú"
                  a note; dates as dates (dd/mm/yyyy), stars, GTIN, shelf life
                  as numbers
  bad.xlsx        row 3 with 6 stars, row 5 with a bad GTIN check digit
  events.xlsx     stages with a date-time cell ("at") and a text date
  bomb.xlsx       a sheet part of 70 MB of blanks (70 KB compressed)
  broken.xlsx     a sheet part that is not XML
"""
import csv
import datetime
import io
import os
import sys
import zipfile

import openpyxl

d = sys.argv[1]
src = os.path.join(os.environ["STAMP_SOURCE_DIR"], "samples", "products.csv")
rows = list(csv.reader(io.StringIO(open(src, encoding="utf-8-sig").read())))
hdr = rows[0]


def sheet_of(ws, rows):
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            cell = ws.cell(row=r + 1, column=c + 1)
            name = hdr[c]
            if r and name in ("ocop_date", "cert_valid_until") and v:
                if "/" in v:
                    day, month, year = map(int, v.split("/"))
                else:
                    year, month, day = map(int, v.split("-"))
                cell.value = datetime.date(year, month, day)
                cell.number_format = "dd/mm/yyyy"
            elif r and name in ("stars", "shelf_life_days", "gtin") and v:
                cell.value = int(v)
            else:
                cell.value = v


wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Sản phẩm"
sheet_of(ws, rows)
wb.create_sheet("Ghi chú")["A1"] = "không phải dữ liệu"
wb.save(os.path.join(d, "products.xlsx"))

bad = [r[:] for r in rows[:5]]
bad[2][hdr.index("stars")] = "6"
bad[4][hdr.index("gtin")] = "8936005120012"
wb = openpyxl.Workbook()
sheet_of(wb.active, bad)
wb.save(os.path.join(d, "bad.xlsx"))

wb = openpyxl.Workbook()
ws = wb.active
ws.append(["product", "stage", "at", "place", "note"])
ws.append(["NM-COT-HH", "receiving", datetime.datetime(2025, 3, 1, 6, 30), "Bến cá Khúc Phụ", "Cá cơm tươi"])
ws.append(["NM-COT-HH", "packing", "10/03/2026", "Xưởng đóng chai", ""])
ws["C2"].number_format = "dd/mm/yyyy hh:mm"
wb.save(os.path.join(d, "events.xlsx"))

src = os.path.join(d, "products.xlsx")
with zipfile.ZipFile(src) as z, zipfile.ZipFile(os.path.join(d, "bomb.xlsx"), "w", zipfile.ZIP_DEFLATED) as o:
    for item in z.infolist():
        data = z.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (70 << 20), 1)
        o.writestr(item, data)
with zipfile.ZipFile(src) as z, zipfile.ZipFile(os.path.join(d, "broken.xlsx"), "w", zipfile.ZIP_DEFLATED) as o:
    for item in z.infolist():
        data = z.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            data = data[: len(data) // 2]
        o.writestr(item, data)
