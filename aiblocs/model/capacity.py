"""Compute capacity in China: where demand lands (east/west hubs, pooling) and the EDWC glut.

Demand for compute in China (H100e) is split into latency-sensitive work, which must run in the
eastern hubs (or in the west only once the national cloud pools capacity), and batch work, which
reaches western hubs in proportion to their capacity times a reachability that rises with pooling.
Utilisation of each site is served demand over capacity. Provinces build on expected demand with
an optimism bias, so the western hubs can sit largely idle (20-30% in 2024-25 [8]).
"""

from __future__ import annotations


def cn_compute_demand(model) -> float:
    """China's compute demand this quarter (H100e): base load plus adopters' use, growing."""
    p = model.p
    use = p.cn_base_demand + (1 - p.cn_base_demand) * model.adoption["CN"] / p.demand_ref_adoption
    return model.cn_demand_scale * use * model.usage_index


def clear_cn_compute(model, demand: float) -> float:
    """Route China's demand to clouds and hubs, set utilisation; return the served share."""
    pooling = model.cn_gov.pooling
    east_sites = list(model.cn_clouds) + [h for h in model.provinces if h.east]
    west_sites = [h for h in model.provinces if not h.east]
    east = sum(s.total_compute for s in east_sites)
    west = sum(s.total_compute for s in west_sites)
    rt = demand * model.p.latency_sensitive
    batch = demand - rt
    rt_east = min(rt, east)
    free_east = east - rt_east
    w0 = model.p.west_reach
    reach = west * (w0 + (1 - w0) * pooling)
    batch_west = min(west, batch * reach / (free_east + reach)) if free_east + reach > 0 else 0.0
    batch_east = min(free_east, batch - batch_west)
    rt_west = min((rt - rt_east) * pooling * model.p.pooled_rt_share, west - batch_west)
    served_east, served_west = rt_east + batch_east, batch_west + rt_west
    for sites, cap, served in ((east_sites, east, served_east), (west_sites, west, served_west)):
        util = min(1.0, served / cap) if cap > 0 else 0.0
        for s in sites:
            s.utilisation = util
            s.served = util * s.total_compute
    return min(1.0, (served_east + served_west) / demand) if demand > 0 else 1.0


def hub_utilisation(model) -> float:
    """Utilisation of the EDWC hubs' capacity (served / installed, H100e)."""
    cap = sum(h.total_compute for h in model.provinces)
    return sum(h.served for h in model.provinces) / cap if cap > 0 else 0.0
