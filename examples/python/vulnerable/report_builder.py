#!/usr/bin/env python3
"""CLI tool: turn an XML export from the billing system into a CSV report.

Usage: report_builder.py INPUT.xml OUTPUT_DIR
"""
import argparse
import csv
import os
import shutil
import tempfile

from lxml import etree


def parse_invoices(xml_path: str) -> list:
    """Read <invoice id=".." customer=".." total=".."/> elements."""
    tree = etree.parse(xml_path, etree.XMLParser(resolve_entities=True))  # expect: CWE-611
    return [
        {
            "id": node.get("id"),
            "customer": node.get("customer"),
            "total": node.get("total"),
        }
        for node in tree.iter("invoice")
    ]


def write_report(invoices: list, output_dir: str) -> str:
    """Write the CSV to a scratch file first, then move it into place."""
    scratch = tempfile.mktemp(suffix=".csv")  # expect: CWE-377
    with open(scratch, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "customer", "total"])
        writer.writeheader()
        writer.writerows(invoices)
    destination = os.path.join(output_dir, "invoices.csv")
    shutil.move(scratch, destination)
    os.chmod(destination, 0o777)  # expect: CWE-732, CWE-276
    return destination


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("input")
    parser.add_argument("output_dir")
    args = parser.parse_args()
    invoices = parse_invoices(args.input)
    path = write_report(invoices, args.output_dir)
    print(f"wrote {len(invoices)} invoices to {path}")


if __name__ == "__main__":
    main()
