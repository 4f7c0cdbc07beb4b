"""API documentation and OpenAPI changes: section diffs of doc pages and semantic spec diffs.

`apidiff` compares two versions (pure: sections, paths, parameters, fields, enums, servers,
each change marked breaking or not); `check` turns a fetched page or spec into stored
versions, diffs and notices, and builds `driftsvarsel history`.
"""
