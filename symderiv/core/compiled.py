"""The compiled NumPy evaluator of a MatrixForm: symderiv.npgen's module for each batch size,
imported from memory (no file is written), with a workspace of buffers per (batch, dtype)."""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.util
import linecache
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from .npgen import MatrixForm, Program, generate

#: The batch sizes whose modules an evaluator keeps (the oldest is dropped beyond this).
KEPT_BATCHES = 4


class _MemoryLoader(importlib.abc.InspectLoader):
    """Loads a module from a source string (no file): importlib compiles and runs it."""

    def __init__(self, source: str, filename: str) -> None:
        self.source, self.filename = source, filename

    def get_source(self, fullname: str) -> str:
        return self.source

    def get_code(self, fullname: str) -> Any:
        return self.source_to_code(self.source, self.filename)


def load_source(source: str) -> ModuleType:
    """Import generated `source` from memory; `inspect.getsource` reads its functions from
    `linecache` (the module is neither written to disk nor put in sys.modules)."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    name = f"symderiv_generated_{digest}"
    filename = f"<{name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    loader = _MemoryLoader(source, filename)
    spec = importlib.util.spec_from_loader(name, loader, origin=filename)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------- the evaluator


class CompiledEvaluator:
    """The generated forward pass and gradients of a MatrixForm, callable on NumPy inputs.

    One module per batch size (generated and imported once), one workspace per (batch,
    dtype); at call time there is no SymPy and no allocation but the results' copies.  The
    dtype is float32 when every input is float32, float64 otherwise.  The workspace makes an
    evaluator unsafe to share between threads.
    """

    def __init__(self, mf: MatrixForm) -> None:
        self.mf = mf
        self._modules: dict[int, tuple[Program, ModuleType]] = {}
        self._workspaces: dict[tuple[int, np.dtype], Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"mf": self.mf}  # modules and buffers are rebuilt where they are needed

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["mf"])  # type: ignore[misc]

    def program(self, batch: int) -> Program:
        return self._module(batch)[0]

    def module(self, batch: int) -> ModuleType:
        return self._module(batch)[1]

    def _module(self, batch: int) -> tuple[Program, ModuleType]:
        if batch not in self._modules:
            if len(self._modules) >= KEPT_BATCHES:
                oldest = next(iter(self._modules))
                del self._modules[oldest]
                self._workspaces = {k: w for k, w in self._workspaces.items() if k[0] != oldest}
            program = generate(self.mf, batch)
            self._modules[batch] = (program, load_source(program.source))
        return self._modules[batch]

    def workspace(self, batch: int, dtype: Any) -> Any:
        key = (batch, np.dtype(dtype))
        if key not in self._workspaces:
            self._workspaces[key] = self.module(batch).workspace(key[1])
        return self._workspaces[key]

    def bind(self, inputs: Mapping[str, Any], with_targets: bool = True) -> tuple[ModuleType, list[np.ndarray]]:
        """The module for the inputs' batch and the arguments of its functions: the inputs in
        order, checked against their shapes and cast to one dtype, then the workspace."""
        x = np.asarray(inputs["X"])
        if x.ndim != 2:
            raise ValueError(f"X must be a matrix (samples x inputs), got shape {x.shape}")
        program, module = self._module(x.shape[0])
        keys = program.inputs if with_targets else program.inputs[:program.inputs.index("X") + 1]
        arrays = [np.asarray(inputs[k]) for k in keys]
        dtype = np.dtype(np.float32) if all(a.dtype == np.float32 for a in arrays) else np.dtype(np.float64)
        args = []
        for k, a in zip(keys, arrays, strict=True):
            if a.shape != program.shapes[k]:
                raise ValueError(f"input {k} has shape {a.shape}, expected {program.shapes[k]}")
            args.append(a if a.dtype == dtype else a.astype(dtype))
        return module, [*args, self.workspace(x.shape[0], dtype)]

    def gradients(self, inputs: Mapping[str, Any], copy: bool = True) -> dict[str, np.ndarray]:
        """Every ∂L/∂P (display shapes) from inputs in internal shapes.  With copy=False the arrays
        are the workspace's own, overwritten by the next evaluation (gradients or forward) at the
        same batch and dtype."""
        module, args = self.bind(inputs)
        values = module.gradients(*args)
        keys = self.mf.gradients
        return {k: (v.copy() if copy else v) for k, v in zip(keys, values, strict=True)}

    def forward(self, inputs: Mapping[str, Any], copy: bool = True) -> dict[str, np.ndarray]:
        """The forward steps' values (Z1, A1, ...) from inputs in internal shapes (T not needed)."""
        module, args = self.bind(inputs, with_targets=False)
        values = module.forward(*args)
        steps = self.program(np.shape(inputs["X"])[0]).forward_steps
        return {k: (v.copy() if copy else v) for k, v in zip(steps, values, strict=True)}
