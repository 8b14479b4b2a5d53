"""The text inside PDF, Word and Excel files, for search: read by well-kept libraries, with caps
so that no document, however large or hostile, holds a worker for long. The readers are imported
where they are used: only the job worker needs them."""
MAX_CHARS = 100_000
MAX_PAGES = 50
MAX_ROWS = 5_000


def extract(kind, data):
    """Up to MAX_CHARS of the text of `data` (a binary file) of `kind`."""
    return EXTRACTORS[kind](data)[:MAX_CHARS]


def _capped(pieces):
    out, size = [], 0
    for piece in pieces:
        if piece:
            out.append(piece)
            size += len(piece) + 1
            if size >= MAX_CHARS:
                break
    return "\n".join(out)


def _pdf(data):
    from pypdf import PdfReader
    reader = PdfReader(data)
    return _capped(page.extract_text() for page in reader.pages[:MAX_PAGES])


def _docx(data):
    import docx
    document = docx.Document(data)

    def pieces():
        for paragraph in document.paragraphs:
            yield paragraph.text
        for table in document.tables:
            for row in table.rows:
                yield " ".join(cell.text for cell in row.cells)
    return _capped(pieces())


def _xlsx(data):
    from openpyxl import load_workbook
    book = load_workbook(data, read_only=True, data_only=True)
    try:
        def pieces():
            for sheet in book.worksheets:
                yield sheet.title
                for row in sheet.iter_rows(max_row=MAX_ROWS, values_only=True):
                    yield " ".join(str(value) for value in row if value is not None)
        return _capped(pieces())
    finally:
        book.close()


EXTRACTORS = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx}
