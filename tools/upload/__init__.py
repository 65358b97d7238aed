"""`make upload`: put the content into a stack's two buckets.
The content plan (each file's key and bucket) is what the local edge serves too."""

from tools import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "ContentError": "content",
        "ContentPlan": "content",
        "not_uploaded_note": "content",
        "plan_content": "content",
    },
)
