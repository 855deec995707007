"""Who may do what with campaigns, evaluation standards and indicators: pure predicates.

Wrapped by the API's permission classes and by the services; one condition per line.
"""

from chuangcheng.org.permissions import can_manage_in_region, is_admin, is_signed_in


def can_read_campaigns(user) -> bool:
    """Anyone signed in reads the campaigns in their scope, and every standard."""
    return is_signed_in(user)


def can_manage_campaigns(user) -> bool:
    """Set up and change campaigns."""
    return is_admin(user)


def can_manage_campaign_in_region(user, region) -> bool:
    """Run a campaign over ``region``: an administrator whose scope covers it."""
    if not can_manage_campaigns(user):
        return False
    return can_manage_in_region(user, region)


def can_manage_standards(user) -> bool:
    """Enter evaluation standards and their indicators (national reference texts)."""
    return is_admin(user)
