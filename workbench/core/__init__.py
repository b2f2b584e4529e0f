"""The bottom layer: errors, atomic files, hardware choices, the hub probe, progress events, process ranks.

It knows nothing of models, data or runs; every other subpackage may import it.
"""

from workbench.core import hub
from workbench.core.allocator import ALLOCATOR_ENV, keep_freed_memory
from workbench.core.distributed import gather_rows, is_distributed, leave_process_group, shard_indices
from workbench.core.errors import WorkbenchError
from workbench.core.files import (
    files_stamp,
    read_json,
    temp_path_beside,
    write_bytes_atomic,
    write_json_atomic,
    write_text_atomic,
)
from workbench.core.hardware import (
    autocast,
    cpu_has_native_bf16,
    describe_machine,
    resolve_device,
    resolve_precision,
    serving_precision,
    set_threads,
)
from workbench.core.progress import Emit, progress

__all__ = [
    "ALLOCATOR_ENV",
    "Emit",
    "WorkbenchError",
    "autocast",
    "cpu_has_native_bf16",
    "describe_machine",
    "files_stamp",
    "gather_rows",
    "hub",
    "is_distributed",
    "keep_freed_memory",
    "leave_process_group",
    "progress",
    "read_json",
    "resolve_device",
    "resolve_precision",
    "serving_precision",
    "set_threads",
    "shard_indices",
    "temp_path_beside",
    "write_bytes_atomic",
    "write_json_atomic",
    "write_text_atomic",
]
