"""Campaigns: Pinpoint's campaign model, treatments and holdout, and (as the campaigns issue lands) runs."""
