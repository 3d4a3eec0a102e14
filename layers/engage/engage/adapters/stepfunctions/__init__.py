"""Step Functions: answering a workflow step that waits on a task token."""
