-- Column order is not part of the schema's meaning; nothing to undo.
SELECT 1;
