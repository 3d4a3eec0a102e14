"""The Pinpoint-compatible REST API: Pinpoint's operations at botocore's URIs, with its shapes and
its error types (`x-amzn-ErrorType`), so a real pinpoint client pointed here works unchanged; and
the console's own routes beside them (extension_routes)."""

import json
from typing import Any

from application_routes import known_application
from application_routes import router as applications
from audience_routes import router as audience
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from campaign_routes import router as campaigns
from channel_routes import router as channels
from engage.api.wiring import console_cors
from engage.errors import EngageError
from engage.obs import logger, metrics
from event_routes import router as events
from extension_routes import router as extensions
from journey_routes import router as journeys
from kpi_routes import router as kpis
from messaging_routes import router as messaging
from recommender_routes import router as recommenders
from routing import pinpoint_error
from tag_routes import router as tags

app = APIGatewayRestResolver(cors=console_cors())
app.use(middlewares=[known_application])
app.include_router(applications)
app.include_router(channels)
app.include_router(audience)
app.include_router(messaging)
app.include_router(recommenders)
app.include_router(campaigns)
app.include_router(events)
app.include_router(journeys)
app.include_router(kpis)
app.include_router(tags)
app.include_router(extensions)


@app.exception_handler(EngageError)
def engage_error(error: EngageError) -> Response:
    return pinpoint_error(app, error.pinpoint_type, str(error))


@app.exception_handler(json.JSONDecodeError)
def malformed(error: json.JSONDecodeError) -> Response:
    return pinpoint_error(app, "BadRequestException", f"the request body is not JSON: {error.msg}")


@app.not_found
def unknown(_error: Exception) -> Response:
    return pinpoint_error(app, "NotFoundException", "no Pinpoint operation at this path and method")


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
