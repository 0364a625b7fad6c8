#!/usr/bin/env python3
"""CLI tool: turn an XML export from the billing system into a CSV report.

Usage: report_builder.py INPUT.xml OUTPUT_DIR

Fixed version: the XML parser neither resolves entities nor loads DTDs or
network resources, the scratch file is created atomically with mkstemp in
the output directory, and the report is readable only by its owner and group.
"""
import argparse
import csv
import os
import tempfile

from lxml import etree


def parse_invoices(xml_path: str) -> list:
    """Read <invoice id=".." customer=".." total=".."/> elements."""
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    tree = etree.parse(xml_path, parser)
    return [
        {
            "id": node.get("id"),
            "customer": node.get("customer"),
            "total": node.get("total"),
        }
        for node in tree.iter("invoice")
    ]


def write_report(invoices: list, output_dir: str) -> str:
    """Write the CSV to a scratch file first, then move it into place atomically."""
    fd, scratch = tempfile.mkstemp(suffix=".csv", dir=output_dir)
    try:
        with os.fdopen(fd, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["id", "customer", "total"])
            writer.writeheader()
            writer.writerows(invoices)
        os.chmod(scratch, 0o640)
        destination = os.path.join(output_dir, "invoices.csv")
        os.replace(scratch, destination)
    except BaseException:
        os.unlink(scratch)
        raise
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
