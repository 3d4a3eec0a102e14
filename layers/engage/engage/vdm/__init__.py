"""The monthly VDM export (A3): its model (engage.vdm.model), its use cases (engage.vdm.export) and
their wiring to SES, S3 and CloudFront signing (engage.vdm.wiring, the handlers' one way in)."""
