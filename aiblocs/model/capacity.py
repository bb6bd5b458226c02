"""Compute capacity in China: where demand lands (east/west hubs, pooling) and the EDWC glut.

China's compute demand (H100e-quarters) is split into latency-sensitive (real-time) work, which
must run in the east (Chinese clouds and the eastern hubs) or, once the national cloud pools
capacity, partly in the west; and batch work, which runs on compute rented abroad first, then
reaches western hubs in proportion to their capacity times a reach that rises with pooling [9,
79]. Each site's utilisation is the demand it serves over its serving capacity (clouds keep
``training_share`` of their compute for their labs; hubs serve only). Provinces build on
expected demand with an optimism bias, so western hubs can sit largely idle (20-30% in 2024-25
[8]) while eastern capacity is short.
"""

from __future__ import annotations


def serving_capacity(site, p) -> float:
    """H100e a site can use to serve demand (clouds keep ``training_share`` for training)."""
    if getattr(site, "trains", False):
        return site.total_compute * (1 - p.training_share)
    return site.total_compute


def route_cn(model, demand: float, rented: float = 0.0) -> float:
    """Route China's demand to its sites; set their utilisation; return the served H100e.

    Args:
        model: the model (reads sites, pooling, parameters).
        demand: compute demanded this quarter (H100e-quarters).
        rented: compute rented abroad this quarter (H100e-quarters; batch work only).
    """
    p = model.p
    pooling = model.cn_gov.pooling
    east_sites = list(model.cn_clouds) + [h for h in model.provinces if h.east]
    west_sites = [h for h in model.provinces if not h.east]
    east = sum(serving_capacity(s, p) for s in east_sites)
    west = sum(serving_capacity(s, p) for s in west_sites)
    rt = demand * p.latency_sensitive
    batch = demand - rt
    rt_east = min(rt, east)
    free_east = east - rt_east
    batch_abroad = min(rented, batch)
    batch -= batch_abroad
    w0 = p.west_reach
    reach = west * (w0 + (1 - w0) * pooling)
    batch_west = min(west, batch * reach / (free_east + reach)) if free_east + reach > 0 else 0.0
    batch_east = min(free_east, batch - batch_west)
    rt_west = min((rt - rt_east) * pooling * p.pooled_rt_share, west - batch_west)
    served_east, served_west = rt_east + batch_east, batch_west + rt_west
    for sites, cap, served in ((east_sites, east, served_east), (west_sites, west, served_west)):
        util = min(1.0, served / cap) if cap > 0 else 0.0
        for s in sites:
            s.utilisation = util
            s.served = util * serving_capacity(s, p)
    return served_east + served_west + batch_abroad


def hub_utilisation(model) -> float:
    """Utilisation of the EDWC hubs' capacity (served / installed, H100e)."""
    cap = sum(h.total_compute for h in model.provinces)
    return sum(h.served for h in model.provinces) / cap if cap > 0 else 0.0
