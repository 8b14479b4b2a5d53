"""Files: a project's files, and attachments of tasks, requests and meeting minutes."""


def schema():
    """This area's models, handed up to the schema (portal.all_models)."""
    from portal.files.models import File, FileSettings, FileVersion
    return [FileSettings, File, FileVersion]


def search_documents():
    """Every document this area's things are found by, for rebuilding the search index."""
    from portal.files.models import File, FileVersion
    texts = {file_id: text for file_id, text in FileVersion.select(FileVersion.file, FileVersion.text)
             .order_by(FileVersion.number).tuples()}
    kept = File.select().where(File.deleted_at.is_null())
    return [one.search_document(text=texts.get(one.id, "")) for one in kept]
