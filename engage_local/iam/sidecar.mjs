// The local stack's IAM decisions: one JSON simulation per line on stdin (iam-simulate's
// `Simulation`, with an `id`), one answer per line on stdout: the overall result, or the
// validation errors (an action or resource the data does not know: the caller fails closed).
import readline from 'node:readline'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const lines = readline.createInterface({ input: process.stdin })
lines.on('line', async (line) => {
  let id = null
  try {
    const request = JSON.parse(line)
    id = request.id
    const answer = await runSimulation(request.simulation, {})
    const out = answer.resultType === 'error' ? { id, error: answer.errors } : { id, result: answer.overallResult }
    process.stdout.write(JSON.stringify(out) + '\n')
  } catch (failure) {
    process.stdout.write(JSON.stringify({ id, error: { message: String(failure) } }) + '\n')
  }
})
