"""Which ``nn.Linear`` modules of a model :func:`topogen.export.apply_to_torch` masks.

Private to :mod:`topogen.export` by its module name; torch is passed in (imported lazily by
the caller).
"""

from __future__ import annotations

from .._checks import TopogenError

__all__ = ["linear_layers", "select_linears"]


def linear_layers(torch, model) -> list:
    """The ``nn.Linear`` modules of ``model`` in registration (forward) order.

    Parameters
    ----------
    torch : module
        The ``torch`` module (imported by the caller).
    model : torch.nn.Module or list of torch.nn.Linear
        A model (its ``nn.Linear`` submodules, itself included), one ``nn.Linear``, or a
        list or tuple of them.

    Returns
    -------
    list of torch.nn.Linear
        The modules, in order.

    Raises
    ------
    TopogenError
        If ``model`` is none of these.
    """
    nn = torch.nn
    if isinstance(model, nn.Linear):
        return [model]
    if isinstance(model, nn.Module):
        return [m for m in model.modules() if isinstance(m, nn.Linear)]
    if isinstance(model, (list, tuple)) and all(isinstance(m, nn.Linear) for m in model):
        return list(model)
    raise TopogenError(
        f"model must be a torch.nn.Module (or a list of nn.Linear), got {type(model).__name__}"
    )


def chosen_linears(torch, model, modules) -> list:
    """The ``nn.Linear`` modules ``apply_to_torch(..., modules=)`` names, in that order.

    Parameters
    ----------
    torch : module
        The ``torch`` module (imported by the caller).
    model : torch.nn.Module or list of torch.nn.Linear
        The model, as for :func:`linear_layers`.
    modules : list, callable or None
        None: every ``nn.Linear`` (:func:`linear_layers`); a list of module names (as
        ``model.named_modules()`` gives them) or of ``nn.Linear`` modules of ``model``; or a
        filter ``modules(name, module) -> bool`` over its ``nn.Linear`` modules.

    Returns
    -------
    list of torch.nn.Linear
        The chosen modules, in the order given (registration order for a filter).

    Raises
    ------
    TopogenError
        If ``modules`` is given but ``model`` is not an ``nn.Module``, if ``modules`` is of
        another kind, or if an item is not an ``nn.Linear`` of the model (the message lists
        its ``nn.Linear`` names).
    """
    nn = torch.nn
    if modules is None:
        return linear_layers(torch, model)
    if not isinstance(model, nn.Module):
        raise TopogenError("modules= selects from a torch.nn.Module; pass the model itself")
    named = dict(model.named_modules())
    if callable(modules):
        return [m for n, m in named.items() if isinstance(m, nn.Linear) and modules(n, m)]
    if isinstance(modules, (str, bytes)) or not isinstance(modules, (list, tuple)):
        raise TopogenError("modules must be a list of module names (as model.named_modules() "
                           f"gives them), of nn.Linear modules, or a filter, got {modules!r}")
    chosen = []
    for k, item in enumerate(modules):
        mod = named.get(item) if isinstance(item, str) else item
        if not isinstance(mod, nn.Linear):
            linear_names = [n for n, m in named.items() if isinstance(m, nn.Linear)]
            raise TopogenError(f"modules[{k}] = {item!r} is not an nn.Linear of the model; its "
                               f"nn.Linear modules are {linear_names}")
        chosen.append(mod)
    return chosen


def select_linears(torch, model, modules, depth: int) -> list:
    """The ``depth`` modules to mask, in layer order, or a TopogenError that says how to
    choose them (``modules=``, with the model's ``nn.Linear`` names).

    Parameters
    ----------
    torch : module
        The ``torch`` module (imported by the caller).
    model : torch.nn.Module or list of torch.nn.Linear
        The model, as for :func:`linear_layers`.
    modules : list, callable or None
        The selection, as for :func:`chosen_linears`.
    depth : int
        The topology's number of layers; exactly this many modules must be chosen.

    Returns
    -------
    list of torch.nn.Linear
        ``depth`` modules, one per layer of the topology, in order.

    Raises
    ------
    TopogenError
        If the selection is invalid (:func:`chosen_linears`) or does not hold ``depth``
        modules.
    """
    linears = chosen_linears(torch, model, modules)
    if len(linears) != depth:
        names = ([n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
                 if isinstance(model, torch.nn.Module) else [])
        who = "modules= chose" if modules is not None else "model has"
        hint = (f"; pass modules= with the {depth} to mask, in order, e.g. "
                f"modules={names[:depth]!r} (the model's nn.Linear modules: {names}), or a "
                "filter modules=lambda name, module: ..." if names else "")
        raise TopogenError(
            f"{who} {len(linears)} nn.Linear layers but the topology has depth {depth}; they "
            f"must match one to one, in order{hint}"
        )
    return linears
