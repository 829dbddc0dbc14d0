"""Stable asset keys and stage groups for dbt models.

Keys are `<layer>/<model>` (staging/stg_crm__accounts, marts/account_tiers): BI-facing names never
change when a model moves between sub-folders. Sources keep dagster-dbt's default key
(bronze/<entity>), which is exactly the key of the ingest asset that writes them.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator

LAYER_GROUPS = {"staging": "staging", "intermediate": "marts", "marts": "marts"}


def model_layer(dbt_resource_props: Mapping[str, Any]) -> str | None:
    fqn = dbt_resource_props.get("fqn") or []
    return fqn[1] if len(fqn) > 2 and fqn[1] in LAYER_GROUPS else None


class KamDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props.get("resource_type") == "model":
            layer = model_layer(dbt_resource_props)
            if layer:
                return dg.AssetKey([layer, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        layer = model_layer(dbt_resource_props)
        return LAYER_GROUPS[layer] if layer else super().get_group_name(dbt_resource_props)
