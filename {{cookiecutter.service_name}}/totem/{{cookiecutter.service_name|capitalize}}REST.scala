// {{ cookiecutter.service_name }}'s work, success and failure for Holmes-Totem. sbt compiles it where it lies, in
// src/main/scala/org/holmesprocessing/totem/services/{{ cookiecutter.service_name }}/totem/ once this service's
// folder is copied into Totem (README, "Register with Totem").
package org.holmesprocessing.totem.services.{{ cookiecutter.service_name }}

import dispatch.Defaults._
import dispatch.{url, _}
import org.json4s.JsonAST.{JString, JValue}
import org.holmesprocessing.totem.types.{TaskedWork, WorkFailure, WorkResult, WorkSuccess}
import collection.mutable


case class {{ cookiecutter.service_name | capitalize }}Work(key: Long, filename: String, TimeoutMillis: Int, WorkType: String, Worker: String, Arguments: List[String]) extends TaskedWork {
  def doWork()(implicit myHttp: dispatch.Http): Future[WorkResult] = {

    val uri = {{ cookiecutter.service_name | capitalize }}REST.constructURL(Worker, filename, Arguments)
    val requestResult = myHttp(url(uri) OK as.String)
      .either
      .map({
        case Right(content) =>
          {{ cookiecutter.service_name | capitalize }}Success(true, JString(content), Arguments)

        case Left(StatusCode(code)) =>
          {{ cookiecutter.service_name | capitalize }}Failure(false, JString({{ cookiecutter.service_name | capitalize }}REST.describeStatus(code)), Arguments)

        case Left(something) =>
          {{ cookiecutter.service_name | capitalize }}Failure(false, JString("{{ cookiecutter.service_name }} unreachable: " + something.toString), Arguments)
      })
    requestResult
  }
}


case class {{ cookiecutter.service_name | capitalize }}Success(status: Boolean, data: JValue, Arguments: List[String], routingKey: String = "{{ cookiecutter.service_name }}.result.static.totem", WorkType: String = "{{ cookiecutter.service_name | upper }}") extends WorkSuccess
case class {{ cookiecutter.service_name | capitalize }}Failure(status: Boolean, data: JValue, Arguments: List[String], routingKey: String = "", WorkType: String = "{{ cookiecutter.service_name | upper }}") extends WorkFailure


object {{ cookiecutter.service_name | capitalize }}REST {
  // root ends with /analyze/?obj= ; the {{ "sample's file name" if cookiecutter.input_kind == "file" else "object" }} is URL-encoded so that it arrives whole, and the
  // task's arguments follow as Totem sends them.
  def constructURL(root: String, filename: String, arguments: List[String]): String = {
    val obj = java.net.URLEncoder.encode(filename, "UTF-8")
    arguments.foldLeft(new mutable.StringBuilder(root + obj))({
      (acc, e) => acc.append(e)}).toString()
  }

  // The service answers every failure with a real status and a JSON error body.
  def describeStatus(code: Int): String = code match {
    case 400 => "{{ cookiecutter.service_name }}: malformed obj (400)"
{%- if cookiecutter.input_kind == "file" %}
    case 404 => "{{ cookiecutter.service_name }}: sample not found, already deleted? (404)"
    case 413 => "{{ cookiecutter.service_name }}: sample larger than max_sample_size (413)"
{%- endif %}
    case 422 => "{{ cookiecutter.service_name }}: input the analysis cannot handle (422)"
    case 500 => "{{ cookiecutter.service_name }}: analysis failed, check the service's log (500)"
    case 503 => "{{ cookiecutter.service_name }}: saturated or stopping, retry later (503)"
    case 504 => "{{ cookiecutter.service_name }}: analysis passed its deadline (504)"
    case other => "{{ cookiecutter.service_name }}: HTTP status " + other.toString
  }
}
